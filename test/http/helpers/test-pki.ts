import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and its key, as PEM files and text. */
export interface TestCertificate {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

/** Certificates generated for one test file with the openssl CLI, all under one temporary directory. */
export interface TestPki {
  dir: string;
  /** A private root CA nobody trusts by default. */
  ca: TestCertificate;
  /** Valid for 127.0.0.1 and localhost, issued by `ca`. */
  server: TestCertificate;
  /** Issued by `ca` for 127.0.0.1, valid only in January 2020. */
  expired: TestCertificate;
  /** Issued by `ca` for wrong.example.com only. */
  wrongHost: TestCertificate;
  /** A client certificate issued by `ca`. */
  client: TestCertificate;
  /** Removes the directory. */
  cleanup(): void;
}

const caConfig = `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = Syncbridge Test Root CA
O = Syncbridge Tests
[ca]
default_ca = test
[test]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any
copy_extensions = none
unique_subject = no
[any]
commonName = supplied
[root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
[wrong]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example.com
[client]
basicConstraints = CA:FALSE
extendedKeyUsage = clientAuth
`;

/**
 * Generates a private CA and leaf certificates (valid, expired, wrong host name, client)
 * with the openssl CLI. EC keys keep it to a few tens of milliseconds.
 */
export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'syncbridge-pki-'));
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  writeFileSync(join(dir, 'openssl.cnf'), caConfig);
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run([
    'req',
    '-config',
    'openssl.cnf',
    '-x509',
    ...ecKey,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '3',
    '-extensions',
    'root',
  ]);
  const load = (name: string): TestCertificate => {
    const certFile = join(dir, `${name}.pem`);
    const keyFile = join(dir, `${name}.key`);
    return { certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
  };
  const issue = (name: string, commonName: string, extensions: string, dates: string[]) => {
    run(['req', '-new', ...ecKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${commonName}`]);
    run([
      'ca',
      '-batch',
      '-config',
      'openssl.cnf',
      '-cert',
      'ca.pem',
      '-keyfile',
      'ca.key',
      '-in',
      `${name}.csr`,
      '-out',
      `${name}.pem`,
      '-extensions',
      extensions,
      '-notext',
      ...dates,
    ]);
    return load(name);
  };
  const current = ['-days', '2'];
  return {
    dir,
    ca: load('ca'),
    server: issue('server', '127.0.0.1', 'server', current),
    expired: issue('expired', '127.0.0.1', 'server', ['-startdate', '20200101000000Z', '-enddate', '20200201000000Z']),
    wrongHost: issue('wrong', 'wrong.example.com', 'wrong', current),
    client: issue('client', 'syncbridge-client', 'client', current),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { SystemConfig } from '../config/system.js';
import { ConfigError } from '../errors/config-error.js';
import type { Logger } from '../logger.js';

/** TLS settings of one system, as written in the config. */
export type TlsSettings = NonNullable<SystemConfig['tls']>;

/** The options handed to `https.Agent`, `tls.connect` and the proxy agent. */
export interface TlsConnectOptions {
  /** Node's bundled roots plus the configured extra CAs; absent when none were configured. */
  ca?: string[];
  cert?: string;
  key?: string;
  passphrase?: string;
  rejectUnauthorized: boolean;
}

const pemBlock = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function readPem(path: string, setting: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as { code?: string }).code ?? 'unreadable';
    throw new ConfigError(
      [
        {
          path: `tls.${setting}`,
          message: `the file could not be read (${reason}); give the path of a PEM file readable by this process`,
          found: path,
        },
      ],
      {
        code: 'TLS_FILE_UNREADABLE',
        cause: error,
      },
    );
  }
}

function certificatesIn(text: string, setting: string, found: string): string[] {
  const blocks = text.match(pemBlock) ?? [];
  if (blocks.length === 0) {
    throw new ConfigError(
      [
        {
          path: `tls.${setting}`,
          message:
            'contains no PEM certificate (-----BEGIN CERTIFICATE-----); convert DER files with `openssl x509 -inform der -in ca.cer -out ca.pem`',
          found,
        },
      ],
      {
        code: 'TLS_FILE_UNREADABLE',
      },
    );
  }
  return blocks;
}

/**
 * Turns the `tls` settings of a system into connect options: extra CAs are added to
 * Node's defaults (never replace them, so public CAs keep working), files are read once.
 * Throws a `ConfigError` with code `TLS_FILE_UNREADABLE` naming the setting when a file is
 * missing or holds no certificate.
 */
export function tlsConnectOptions(settings: SystemConfig['tls']): TlsConnectOptions {
  const options: TlsConnectOptions = { rejectUnauthorized: settings?.insecureSkipVerify !== true };
  if (!settings) return options;
  const extra: string[] = [];
  if (settings.caFile) extra.push(...certificatesIn(readPem(settings.caFile, 'caFile'), 'caFile', settings.caFile));
  if (settings.caPem) extra.push(...certificatesIn(settings.caPem, 'caPem', '(inline PEM)'));
  if (extra.length > 0) options.ca = [...rootCertificates, ...extra];
  if (settings.certFile) options.cert = readPem(settings.certFile, 'certFile');
  if (settings.keyFile) options.key = readPem(settings.keyFile, 'keyFile');
  if (settings.passphrase) options.passphrase = settings.passphrase;
  return options;
}

const warned = new Set<string>();

/**
 * Logs, once per system and process, that certificate checks are off. Loud on purpose:
 * `insecureSkipVerify` lets anyone on the path read the credentials.
 */
export function warnIfInsecure(system: string, settings: SystemConfig['tls'], logger: Logger): void {
  if (settings?.insecureSkipVerify !== true || warned.has(system)) return;
  warned.add(system);
  logger.warn(
    `INSECURE: TLS certificate verification is OFF for system "${system}" (tls.insecureSkipVerify: true). Anyone between syncbridge and the server can read the credentials. Use it on test systems only; trust the server's CA with tls.caFile instead.`,
    {
      system,
      code: 'TLS_VERIFY_DISABLED',
    },
  );
}

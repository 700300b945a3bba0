import { randomUUID } from 'node:crypto';
import { SyncbridgeError } from 'syncbridge';
import type { AttachmentUpload, BinaryBody } from 'syncbridge/connector-kit';

/**
 * A file name as browsers put it in a multipart header: UTF-8 as it is, with `"`, CR and LF
 * percent-escaped (the HTML standard's form encoding), which servers read back as the name.
 * @see https://html.spec.whatwg.org/multipage/form-control-infrastructure.html#multipart-form-data
 */
export function multipartFileName(name: string): string {
  return name.replace(/["\r\n]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/**
 * The file's bytes framed by the part's header and the closing boundary, read as they are sent.
 * A file that yields another size than it announced fails the stream (its `Content-Length` would lie).
 */
function framed(
  head: Uint8Array,
  content: ReadableStream<Uint8Array>,
  tail: Uint8Array,
  file: AttachmentUpload,
): ReadableStream<Uint8Array> {
  const reader = content.getReader();
  let read = 0;
  const wrongSize = (size: string) =>
    new SyncbridgeError('VALIDATION', `the content of ${file.name} is ${size} bytes, not the ${file.size} announced`, {
      details: { file: file.name, size: file.size },
    });
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(head);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        if (read !== file.size) controller.error(wrongSize(String(read)));
        else {
          controller.enqueue(tail);
          controller.close();
        }
        return;
      }
      read += value.byteLength;
      if (read > file.size) {
        controller.error(wrongSize(`over ${file.size}`));
        await reader.cancel();
        return;
      }
      controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/**
 * A `multipart/form-data` body holding one file in the form field `field`, streamed (header,
 * the file's stream, closing boundary) with its exact length; every attempt opens the file afresh.
 */
export function multipartFile(field: string, file: AttachmentUpload): BinaryBody {
  const boundary = `syncbridge-${randomUUID()}`;
  const encoder = new TextEncoder();
  // CR and LF would end the header line early: a type holding them is dropped.
  const type = /[\r\n]/.test(file.mimeType) || file.mimeType === '' ? 'application/octet-stream' : file.mimeType;
  const head = encoder.encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${multipartFileName(file.name)}"\r\n` +
      `Content-Type: ${type}\r\n\r\n`,
  );
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: head.byteLength + file.size + tail.byteLength,
    open: async () => framed(head, await file.open(), tail, file),
  };
}

/**
 * Plain text, checked while it streams: valid UTF-8 from the first byte to the last and no NUL
 * (issue 13). Holds nothing but the decoder's state, so a 100 MB file costs no memory.
 */
export function createTextCheck() {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let valid = true;
  return {
    /** Feeds the next chunk; false once the text is known not to be plain UTF-8. */
    push(chunk: Uint8Array): boolean {
      if (!valid) return false;
      if (chunk.includes(0)) return (valid = false);
      try {
        decoder.decode(chunk, { stream: true });
      } catch {
        valid = false;
      }
      return valid;
    },
    /** After the last chunk: whether the whole file was plain UTF-8 (a cut-off character is not). */
    end(): boolean {
      if (!valid) return false;
      try {
        decoder.decode();
      } catch {
        valid = false;
      }
      return valid;
    },
  };
}

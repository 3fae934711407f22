/**
 * What one message-service call takes (proto/message/message.proto): the message-service refuses
 * more, and the websocket-service splits what it gathers to fit. One definition for both sides.
 */
export const MESSAGE_CALL_LIMITS = {
  /** Ids in one receipt: `UpdateMessageStatus`, or one receipt of `UpdateMessageStatuses` or `UpdateReceipts`. */
  idsPerReceipt: 500,
  /** Ids in all the receipts of one `UpdateMessageStatuses` or `UpdateReceipts` call. */
  idsPerCall: 2_000,
  /** Reads in one `MarkReads` or `UpdateReceipts` call. */
  readsPerCall: 500,
  /** Sends in one `SendMessages` call. */
  sendsPerCall: 200,
  /**
   * Payload bytes the websocket-service puts in one `SendMessages` call (a send larger than this
   * goes alone): well inside the gRPC message limit whatever the largest frame allowed.
   */
  sendPayloadBytesPerCall: 4 * 1024 * 1024,
} as const;

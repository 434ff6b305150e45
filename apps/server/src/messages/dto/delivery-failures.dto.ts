/** One `delivery:failed` notice (API.md section 4). */
export class DeliveryFailedDto {
  /** Acknowledge with DELETE /v1/delivery-failures/:id, or the socket event's ack. */
  id: string;
  /** The address the send was for, `username@domain`. */
  destination: string;
  /** The failed send's own timestamp, as its sender set it. */
  timestamp: number;
  /** The peer's error code, or peer_unavailable when the retry window ran out. */
  error: string;
  missingDevices?: number[];
  extraDevices?: number[];
  staleDevices?: number[];
}

export class DeliveryFailureListDto {
  failures: DeliveryFailedDto[];
  more: boolean;
}

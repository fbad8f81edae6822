// Reading back the event a pipeline was given, as the tests check what the receiver sent; the job reads it
// through job/event-input.ts, with its own errors.
import { BridgeEventSchema, type BridgeEvent } from "../../shared/webhook/bridge-event.ts";

/** The event from the variable or input's text; throws a ZodError or SyntaxError when malformed. */
export function decodeBridgeEvent(text: string): BridgeEvent {
  return BridgeEventSchema.parse(JSON.parse(text));
}

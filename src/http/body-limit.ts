import { bodyLimit } from "hono/body-limit";
import { ApiError } from "./errors";

/** Rejects bodies over `maxBytes` with 413 before they are read. */
export function limitBody(maxBytes: number) {
	return bodyLimit({
		maxSize: maxBytes,
		onError: () => {
			throw new ApiError("payload_too_large", `The request body is larger than ${Math.round(maxBytes / 1024)} KiB.`);
		},
	});
}

import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config";

// WEBHOOK_ALLOW_HTTP and WEBHOOK_ALLOW_PRIVATE_HOSTS: off unless set to exactly "true" (or "1"), so that a typo or
// an unset variable leaves a deployment refusing plain http and private hosts.

const settingsOf = (vars: Record<string, string | undefined>) =>
	parseConfig({ SMS_PROVIDER: "outbox", ...vars } as unknown as Env).webhookEndpoints;

describe("the webhook endpoint settings", () => {
	it("should be off when unset, empty or anything but true", () => {
		for (const value of [undefined, "", "false", "0", "yes", "ture", "on"]) {
			expect(settingsOf({ WEBHOOK_ALLOW_HTTP: value, WEBHOOK_ALLOW_PRIVATE_HOSTS: value }), String(value)).toEqual({
				allowHttp: false,
				allowPrivate: false,
			});
		}
	});

	it("should be on for true or 1, each on its own", () => {
		expect(settingsOf({ WEBHOOK_ALLOW_HTTP: "true" })).toEqual({ allowHttp: true, allowPrivate: false });
		expect(settingsOf({ WEBHOOK_ALLOW_PRIVATE_HOSTS: " TRUE " })).toEqual({ allowHttp: false, allowPrivate: true });
		expect(settingsOf({ WEBHOOK_ALLOW_HTTP: "1", WEBHOOK_ALLOW_PRIVATE_HOSTS: "1" })).toEqual({
			allowHttp: true,
			allowPrivate: true,
		});
	});
});

// A module (see the export below), so that `declare module "vitest"` augments vitest's types instead of replacing them.
declare global {
	namespace Cloudflare {
		interface Env {
			TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
		}
		interface GlobalProps {
			mainModule: typeof import("../src/index");
		}
	}
}

// What test/support/fakes/twilio-global-setup.ts provides to the tests and to the Miniflare bindings.
declare module "vitest" {
	export interface ProvidedContext {
		fakeTwilioUrl: string;
		receiverUrl: string;
	}
}

export {};

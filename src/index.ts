import { app } from "./app";
import { consumeEvents } from "./events/consume";
import { runScheduled } from "./scheduled";

export default {
	fetch: app.fetch,
	queue: consumeEvents,
	async scheduled(controller, env) {
		await runScheduled(env, controller.scheduledTime);
	},
} satisfies ExportedHandler<Env, unknown>;

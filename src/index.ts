import { app } from "./app";
import { dispatchQueue } from "./consumers";
import { runScheduled } from "./scheduled";

export default {
	fetch: app.fetch,
	queue: dispatchQueue,
	async scheduled(controller, env) {
		await runScheduled(env, controller.scheduledTime, controller.cron);
	},
} satisfies ExportedHandler<Env, unknown>;

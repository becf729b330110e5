import { app } from "./app";
import { consumeEvents } from "./events/consume";
import { consumeSends, SENDS_QUEUE } from "./messages/sender";
import { runScheduled } from "./scheduled";

export default {
	fetch: app.fetch,
	async queue(batch, env) {
		if (batch.queue === SENDS_QUEUE) await consumeSends(batch, env);
		else await consumeEvents(batch, env);
	},
	async scheduled(controller, env) {
		await runScheduled(env, controller.scheduledTime);
	},
} satisfies ExportedHandler<Env, unknown>;

import { app } from "./app";
import { consumeEvents } from "./events/consume";
import { consumeSends, isSendBatch, SENDS_QUEUE } from "./messages/sender";
import { runScheduled } from "./scheduled";

export default {
	fetch: app.fetch,
	async queue(batch, env) {
		// By queue name, or by what the messages are, should an environment rename the queue.
		if (batch.queue === SENDS_QUEUE || isSendBatch(batch)) await consumeSends(batch, env);
		else await consumeEvents(batch, env);
	},
	async scheduled(controller, env) {
		await runScheduled(env, controller.scheduledTime);
	},
} satisfies ExportedHandler<Env, unknown>;

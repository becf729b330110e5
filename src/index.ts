import { app } from "./app";
import { consumeEvents } from "./events/consume";
import { consumeSends, isSendBatch, SENDS_QUEUE } from "./messages/sender";
import { runScheduled } from "./scheduled";
import { deliverWebhooks, isWebhookBatch, WEBHOOKS_QUEUE } from "./webhooks/deliver";

export default {
	fetch: app.fetch,
	async queue(batch, env) {
		// By queue name, or by what the messages are, should an environment rename the queue.
		if (batch.queue === SENDS_QUEUE || isSendBatch(batch)) await consumeSends(batch, env);
		else if (batch.queue === WEBHOOKS_QUEUE || isWebhookBatch(batch)) await deliverWebhooks(batch, env);
		else await consumeEvents(batch, env);
	},
	async scheduled(controller, env) {
		await runScheduled(env, controller.scheduledTime);
	},
} satisfies ExportedHandler<Env, unknown>;

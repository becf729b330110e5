CREATE TABLE `consent_events` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`kind` text NOT NULL,
	`source` text NOT NULL,
	`detail` text,
	`source_id` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `consent_events_by_source` ON `consent_events` (`workspace_id`,`contact_id`,`source_id`);--> statement-breakpoint
CREATE INDEX `consent_events_by_contact` ON `consent_events` (`contact_id`,`at`);--> statement-breakpoint
CREATE TABLE `messages` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`campaign_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`link_code` text,
	`variant` text,
	`kind` text NOT NULL,
	`provider` text NOT NULL,
	`body` text,
	`segments` integer,
	`encoding` text,
	`status` text NOT NULL,
	`provider_message_id` text,
	`error_code` text,
	`error_message` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`submitted_at` integer,
	`queued_at` integer,
	`sending_at` integer,
	`sent_at` integer,
	`delivered_at` integer,
	`undelivered_at` integer,
	`failed_at` integer,
	`read_at` integer,
	`canceled_at` integer,
	`unknown_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_by_campaign_contact_kind` ON `messages` (`campaign_id`,`contact_id`,`kind`);--> statement-breakpoint
CREATE UNIQUE INDEX `messages_by_provider_id` ON `messages` (`provider`,`provider_message_id`) WHERE provider_message_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX `messages_by_campaign_status` ON `messages` (`campaign_id`,`status`);--> statement-breakpoint
CREATE INDEX `messages_by_campaign_created` ON `messages` (`campaign_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `messages_by_workspace_created` ON `messages` (`workspace_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `messages_by_contact_created` ON `messages` (`contact_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `messages_pending_since` ON `messages` (`updated_at`) WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX `messages_submitting_since` ON `messages` (`updated_at`) WHERE status = 'submitting';--> statement-breakpoint
ALTER TABLE `contacts` ADD `opted_out_at` integer;--> statement-breakpoint
ALTER TABLE `contacts` ADD `erased_at` integer;--> statement-breakpoint
CREATE INDEX `contacts_by_phone` ON `contacts` (`phone`);--> statement-breakpoint
ALTER TABLE `workspaces` ADD `help_text` text;--> statement-breakpoint
CREATE INDEX `clicks_by_campaign` ON `clicks` (`campaign_id`,`id`);--> statement-breakpoint
CREATE INDEX `links_by_contact` ON `links` (`contact_id`) WHERE deleted_at IS NULL;
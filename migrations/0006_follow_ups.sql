CREATE TABLE `follow_ups` (
	`campaign_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`workspace_id` text NOT NULL,
	`link_code` text NOT NULL,
	`first_tap_at` integer NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`held_by` text,
	`retry_at` integer,
	`message_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`campaign_id`, `contact_id`)
);
--> statement-breakpoint
CREATE INDEX `follow_ups_by_contact` ON `follow_ups` (`contact_id`);--> statement-breakpoint
CREATE INDEX `follow_ups_waiting` ON `follow_ups` (`campaign_id`,`retry_at`) WHERE status = 'waiting';--> statement-breakpoint
CREATE INDEX `follow_ups_by_campaign_first_tap` ON `follow_ups` (`campaign_id`,`first_tap_at`,`contact_id`,`status`,`reason`,`held_by`);--> statement-breakpoint
CREATE UNIQUE INDEX `follow_ups_by_message` ON `follow_ups` (`message_id`) WHERE message_id IS NOT NULL;--> statement-breakpoint
DROP INDEX `links_by_campaign_contact`;--> statement-breakpoint
ALTER TABLE `links` ADD `kind` text DEFAULT 'campaign' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `links_by_campaign_contact_kind` ON `links` (`campaign_id`,`contact_id`,`kind`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `links_by_first_human_tap` ON `links` (`campaign_id`,`first_human_click_at`,`code`) WHERE kind = 'campaign' AND deleted_at IS NULL AND first_human_click_at IS NOT NULL;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `follow_up_enabled` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `follow_up_after_hours` integer DEFAULT 24 NOT NULL;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `follow_up_window_hours` integer DEFAULT 48 NOT NULL;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `follow_up_message` text;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `follow_up_variant` text DEFAULT 'followup' NOT NULL;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `follow_up_origin` text;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `follow_up_scanned_until` integer;--> statement-breakpoint
CREATE INDEX `campaigns_with_follow_ups` ON `campaigns` (`id`) WHERE follow_up_enabled = 1;--> statement-breakpoint
ALTER TABLE `workspaces` ADD `frequency_cap_hours` integer DEFAULT 24 NOT NULL;
CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`key_hash` text NOT NULL,
	`start` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_by_hash` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE TABLE `campaign_stats` (
	`campaign_id` text NOT NULL,
	`dimension` text NOT NULL,
	`value` text NOT NULL,
	`clicks` integer DEFAULT 0 NOT NULL,
	`human_clicks` integer DEFAULT 0 NOT NULL,
	`bot_clicks` integer DEFAULT 0 NOT NULL,
	`unique_humans` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`campaign_id`, `dimension`, `value`)
);
--> statement-breakpoint
CREATE TABLE `campaigns` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`name` text NOT NULL,
	`stage` text NOT NULL,
	`destination_url` text NOT NULL,
	`utm_source` text NOT NULL,
	`utm_medium` text NOT NULL,
	`utm_campaign` text NOT NULL,
	`utm_term` text,
	`utm_content` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `campaigns_by_workspace_created` ON `campaigns` (`workspace_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `clicks` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`campaign_id` text NOT NULL,
	`link_code` text NOT NULL,
	`contact_id` text,
	`variant` text,
	`clicked_at` integer NOT NULL,
	`human` integer NOT NULL,
	`bot_reason` text,
	`device_type` text,
	`os` text,
	`browser` text,
	`country` text,
	`region` text,
	`city` text,
	`colo` text,
	`referer` text,
	`user_agent` text,
	`first_human` integer DEFAULT 0 NOT NULL,
	`counted` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `clicks_by_campaign_time` ON `clicks` (`campaign_id`,`clicked_at`);--> statement-breakpoint
CREATE INDEX `clicks_by_link_time` ON `clicks` (`link_code`,`clicked_at`);--> statement-breakpoint
CREATE INDEX `clicks_by_contact_time` ON `clicks` (`contact_id`,`clicked_at`);--> statement-breakpoint
CREATE INDEX `clicks_uncounted` ON `clicks` (`id`) WHERE counted = 0;--> statement-breakpoint
CREATE INDEX `clicks_with_raw_details` ON `clicks` (`clicked_at`) WHERE user_agent IS NOT NULL OR referer IS NOT NULL;--> statement-breakpoint
CREATE TABLE `contacts` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`phone` text NOT NULL,
	`external_id` text,
	`timezone` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `contacts_by_workspace_phone` ON `contacts` (`workspace_id`,`phone`);--> statement-breakpoint
CREATE INDEX `contacts_by_workspace_external_id` ON `contacts` (`workspace_id`,`external_id`);--> statement-breakpoint
CREATE TABLE `links` (
	`code` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`campaign_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`variant` text,
	`created_at` integer NOT NULL,
	`deleted_at` integer,
	`clicks` integer DEFAULT 0 NOT NULL,
	`human_clicks` integer DEFAULT 0 NOT NULL,
	`bot_clicks` integer DEFAULT 0 NOT NULL,
	`first_human_click_at` integer,
	`last_human_click_at` integer,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `links_by_campaign_contact` ON `links` (`campaign_id`,`contact_id`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `links_by_campaign_variant` ON `links` (`campaign_id`,`variant`);--> statement-breakpoint
CREATE TABLE `workspaces` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL
);

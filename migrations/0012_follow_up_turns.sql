-- The follow-up cron takes campaigns in turn (least recently served first) and holds each while it serves it.
ALTER TABLE `campaigns` ADD `follow_up_turn_at` integer;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `follow_up_busy_until` integer;--> statement-breakpoint
CREATE INDEX `campaigns_follow_up_turns` ON `campaigns` (`follow_up_turn_at`,`id`) WHERE follow_up_enabled = 1;
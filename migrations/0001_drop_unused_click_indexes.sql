DROP INDEX `clicks_by_campaign_time`;--> statement-breakpoint
DROP INDEX `clicks_by_link_time`;
-- The dashboard's reads: raw click-through per variant, and message funnels counted from an index alone.
CREATE INDEX `links_tapped_by_campaign_variant` ON `links` (`campaign_id`,`variant`) WHERE clicks > 0;--> statement-breakpoint
CREATE INDEX `messages_by_campaign_kind_variant_status` ON `messages` (`campaign_id`,`kind`,`variant`,`status`);
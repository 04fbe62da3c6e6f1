DROP TABLE outbox;
DROP TABLE partner_certificates;
DROP TABLE webhook_endpoints;

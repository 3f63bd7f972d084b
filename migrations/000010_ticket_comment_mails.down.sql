DROP TABLE IF EXISTS ticket_comment_watermark;
DROP TABLE IF EXISTS ticket_comment_mails;

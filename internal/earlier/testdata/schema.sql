-- The earlier (gin + MySQL) backend's schema after its five migrations,
-- written from the description of its migrations/ directory
-- (../shared/earlier-backend.md §6). The tests load it into a throw-away
-- MariaDB database; the importer must read exactly these columns.

-- 000001_users
CREATE TABLE users (
    id                 BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    crmid              VARCHAR(100) NOT NULL UNIQUE,
    first_name         VARCHAR(255) NOT NULL,
    last_name          VARCHAR(255) NOT NULL,
    description        LONGTEXT     NOT NULL,
    account_id         VARCHAR(100) NOT NULL,
    account_name       VARCHAR(190) NOT NULL,
    title              VARCHAR(190) NOT NULL,
    department         VARCHAR(190) NOT NULL DEFAULT '',
    email              VARCHAR(255) NOT NULL UNIQUE,
    password           CHAR(255)    NOT NULL COMMENT 'bcrypt',
    created_at         DATETIME     NOT NULL DEFAULT NOW(),
    updated_at         DATETIME     NOT NULL DEFAULT NOW(),
    is_active          BOOL         NOT NULL DEFAULT false,
    mailingcity        VARCHAR(40)  NOT NULL DEFAULT '',
    mailingstreet      VARCHAR(250) NOT NULL DEFAULT '',
    mailingcountry     VARCHAR(40)  NOT NULL DEFAULT '',
    othercountry       VARCHAR(30)  NOT NULL DEFAULT '',
    mailingstate       VARCHAR(30)  NOT NULL DEFAULT '',
    mailingpobox       VARCHAR(30)  NOT NULL DEFAULT '',
    othercity          VARCHAR(40)  NOT NULL DEFAULT '',
    otherstate         VARCHAR(50)  NOT NULL DEFAULT '',
    mailingzip         VARCHAR(30)  NOT NULL DEFAULT '',
    otherzip           VARCHAR(30)  NOT NULL DEFAULT '',
    otherstreet        VARCHAR(250) NOT NULL DEFAULT '',
    otherpobox         VARCHAR(30)  NOT NULL DEFAULT '',
    phone              VARCHAR(30)  NOT NULL DEFAULT '',
    assigned_user_id   VARCHAR(20)  NOT NULL DEFAULT '',
    image              VARCHAR(190) NOT NULL DEFAULT '',
    imageattachmentids VARCHAR(190) NOT NULL DEFAULT '',
    version            INT          NOT NULL DEFAULT 1
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- 000002_tokens. The earlier migration declares user_id with an inline
-- "REFERENCES users ON DELETE CASCADE" that MySQL ignores; MariaDB would
-- try to create it (and fail on BIGINT vs BIGINT UNSIGNED), so it is left
-- out here, which is what MySQL ended up with anyway.
CREATE TABLE tokens (
    id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    hash       VARCHAR(100) NOT NULL,
    user_id    BIGINT       NOT NULL,
    expired_at DATETIME     NOT NULL,
    scope      VARCHAR(255) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- 000003_otp (the secret is stored in plain text, base32)
ALTER TABLE users
    ADD COLUMN otp_enabled  TINYINT      NOT NULL DEFAULT 0,
    ADD COLUMN otp_verified TINYINT      NOT NULL DEFAULT 0,
    ADD COLUMN otp_secret   VARCHAR(190) NOT NULL DEFAULT '',
    ADD COLUMN otp_auth_url VARCHAR(255) NOT NULL DEFAULT '';

-- 000004_payments (stripe_payment_id is neither unique nor indexed)
CREATE TABLE payments (
    id                INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    stripe_payment_id VARCHAR(255)  NOT NULL,
    user_id           VARCHAR(15),
    account_id        VARCHAR(15),
    amount            DECIMAL(10,2),
    currency          VARCHAR(3),
    payment_method    VARCHAR(255),
    parent_id         VARCHAR(15),
    status            INT           NOT NULL DEFAULT 0,
    created_at        TIMESTAMP     NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at        TIMESTAMP     NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- 000005_notofocations (sic)
CREATE TABLE notifications (
    id               INT NOT NULL AUTO_INCREMENT PRIMARY KEY UNIQUE,
    crmid            VARCHAR(50),
    module           VARCHAR(50),
    label            VARCHAR(255),
    description      TEXT,
    assigned_user_id VARCHAR(50),
    account_id       VARCHAR(50),
    user_id          VARCHAR(50),
    is_read          TINYINT DEFAULT 0,
    parent_id        VARCHAR(50)  NOT NULL,
    created_at       TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at       TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

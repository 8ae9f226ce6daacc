CREATE TABLE users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email         text NOT NULL CHECK (email = lower(email) AND length(email) <= 254),
    password_hash text NOT NULL,
    first_name    text CHECK (length(first_name) <= 100),
    last_name     text CHECK (length(last_name) <= 100),
    phone         text CHECK (phone ~ '^\+?[0-9]{7,15}$'),
    role          text NOT NULL CHECK (role IN ('ADMIN', 'CUSTOMER', 'RESELLER')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email ON users (email);

-- One login = one family; every refresh rotates the token inside it.
-- Presenting a rotated token again revokes the whole family.
CREATE TABLE token_families (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
CREATE INDEX token_families_user ON token_families (user_id);

CREATE TABLE refresh_tokens (
    jti        uuid PRIMARY KEY,
    family_id  uuid NOT NULL REFERENCES token_families (id) ON DELETE CASCADE,
    token_hash text NOT NULL UNIQUE,          -- hex SHA-256 of the token
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,                   -- set when rotated
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

package postgres

import (
	"context"

	"github.com/portalcrm/vtiger-portal/internal/domain"
)

// AvatarStore keeps profile pictures keyed by Vtiger Contact id: stock
// Vtiger drops the image fields of a webservice revise, so the portal is
// where an uploaded picture survives.
type AvatarStore struct{ db *DB }

// NewAvatarStore returns the avatar store on db.
func NewAvatarStore(db *DB) *AvatarStore { return &AvatarStore{db: db} }

// Put stores (or replaces) the picture of a.ContactID.
func (s *AvatarStore) Put(ctx context.Context, a domain.Avatar) error {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	_, err := s.db.pool.Exec(ctx, `
		INSERT INTO avatars (contact_id, name, mime_type, content) VALUES ($1, $2, $3, $4)
		ON CONFLICT (contact_id) DO UPDATE
			SET name = EXCLUDED.name, mime_type = EXCLUDED.mime_type, content = EXCLUDED.content, updated_at = now()`,
		a.ContactID, a.Name, a.MimeType, a.Content)
	return mapErr(err, "put avatar")
}

// Get returns the picture of contactID; ENOTFOUND when it has none.
func (s *AvatarStore) Get(ctx context.Context, contactID string) (*domain.Avatar, error) {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	a := domain.Avatar{ContactID: contactID}
	err := s.db.pool.QueryRow(ctx,
		`SELECT name, mime_type, content, updated_at FROM avatars WHERE contact_id = $1`, contactID).
		Scan(&a.Name, &a.MimeType, &a.Content, &a.UpdatedAt)
	if err != nil {
		return nil, notFound(err, "avatar", "get avatar")
	}
	return &a, nil
}

// Many returns the pictures of those contactIDs that have one, in one
// query (a colleagues page), keyed by contact id.
func (s *AvatarStore) Many(ctx context.Context, contactIDs []string) (map[string]*domain.Avatar, error) {
	out := map[string]*domain.Avatar{}
	if len(contactIDs) == 0 {
		return out, nil
	}
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	rows, err := s.db.pool.Query(ctx,
		`SELECT contact_id, name, mime_type, content, updated_at FROM avatars WHERE contact_id = ANY($1)`, contactIDs)
	if err != nil {
		return nil, mapErr(err, "list avatars")
	}
	defer rows.Close()
	for rows.Next() {
		var a domain.Avatar
		if err := rows.Scan(&a.ContactID, &a.Name, &a.MimeType, &a.Content, &a.UpdatedAt); err != nil {
			return nil, mapErr(err, "list avatars")
		}
		out[a.ContactID] = &a
	}
	return out, mapErr(rows.Err(), "list avatars")
}

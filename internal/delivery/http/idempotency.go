package http

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"hash"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/domain"
)

// IdempotencyStore remembers the first answer to a POST sent with an
// Idempotency-Key (postgres.IdempotencyStore).
type IdempotencyStore interface {
	Claim(ctx context.Context, userID int64, key string, ttl, staleAfter time.Duration) (bool, *domain.IdempotentAnswer, error)
	Complete(ctx context.Context, userID int64, key string, a domain.IdempotentAnswer) error
	Release(ctx context.Context, userID int64, key string) error
}

const (
	// IdempotencyTTL is how long a key's first answer is replayed.
	IdempotencyTTL = 24 * time.Hour
	// idempotencyMaxKey bounds the header (the column's check constraint).
	idempotencyMaxKey = 255
	// idempotencyMaxBody is the largest answer kept; POST answers are a
	// record or a short status, never near it.
	idempotencyMaxBody = 1 << 20
	// idempotencyReplayedHeader marks an answer replayed from the store.
	idempotencyReplayedHeader = "Idempotent-Replayed"
)

// idempotency makes an authenticated POST with an Idempotency-Key header
// safe to retry: the first request runs and its answer is stored for 24 h
// per (user, key); a retry with the same method, path and body gets that
// answer again (header Idempotent-Replayed: true) without running twice; a
// retry with a different request is 422; a retry while the first is still
// running is 409. Failures worth retrying (5xx, 429, 401, 409), and any
// failure of a request whose body was not read to its end, are not kept:
// the key is released and the next retry runs.
//
// The first request runs to its end even if its client gives up (its
// context is detached from the connection, bounded by http.writeTimeout
// and cancelled by shutdown): a write the client timed out on is applied
// once and its answer waits for the retry.
func (s *Server) idempotency(next http.Handler) http.Handler {
	if s.Idempotency == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		sess := sessionFrom(r)
		if r.Method != http.MethodPost || key == "" || sess == nil {
			next.ServeHTTP(w, r)
			return
		}
		if !validIdempotencyKey(key) {
			s.writeError(w, r, domain.Invalid("Idempotency-Key",
				"must be 1 to %d visible ASCII characters (a UUID is a good choice)", idempotencyMaxKey))
			return
		}
		userID := sess.User.ID
		running := s.runningLimit()
		claimed, prev, err := s.Idempotency.Claim(r.Context(), userID, key, IdempotencyTTL, running)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		h := newRequestHash(r)
		if !claimed {
			s.replay(w, r, h, prev)
			return
		}

		ctx, cancel := s.detached(r.Context(), running)
		defer cancel()
		body := &hashingBody{ReadCloser: r.Body, h: h}
		r2 := r.WithContext(ctx)
		r2.Body = body
		rec := &recordingWriter{ResponseWriter: w}
		next.ServeHTTP(rec, r2)

		// What the handler left unread still belongs to the request.
		_, drainErr := io.Copy(io.Discard, body)
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		sctx, scancel := context.WithTimeout(context.WithoutCancel(r.Context()), 10*time.Second)
		defer scancel()
		// A request whose body could not be read to its end (cut off by
		// the size limit, the client gone) is not known: a failure
		// answered to it is not kept, or the complete request the client
		// sends next under the key would get it instead of running.
		complete := drainErr == nil && body.err == nil
		if !keepAnswer(status) || rec.overflow || (!complete && status >= 400) {
			if err := s.Idempotency.Release(sctx, userID, key); err != nil {
				s.logger.WarnContext(r.Context(), "idempotency key not released", "err", err, "request_id", requestID(r))
			}
			return
		}
		a := domain.IdempotentAnswer{Status: status, ContentType: rec.Header().Get("Content-Type"), Body: rec.body.Bytes()}
		if complete {
			a.RequestHash = h.Sum(nil)
		}
		if err := s.Idempotency.Complete(sctx, userID, key, a); err != nil {
			s.logger.WarnContext(r.Context(), "idempotency answer not stored", "err", err, "request_id", requestID(r))
		}
	})
}

// replay answers a request whose key is known: 409 while the first runs,
// 422 if it was another request, else the first answer.
func (s *Server) replay(w http.ResponseWriter, r *http.Request, h *requestHash, prev *domain.IdempotentAnswer) {
	if !prev.Done {
		s.writeError(w, r, &domain.Error{Code: domain.ECONFLICT, Field: "Idempotency-Key",
			Message: "a request with this Idempotency-Key is still being processed; retry later"})
		return
	}
	if r.Body != nil {
		if _, err := io.Copy(h, r.Body); err != nil {
			if maxErr := (*http.MaxBytesError)(nil); errors.As(err, &maxErr) {
				s.writeError(w, r, domain.Errorf(domain.ETOOLARGE, "request body must not be larger than %d bytes", maxErr.Limit))
				return
			}
			s.writeError(w, r, domain.Wrap(domain.EBADREQUEST, err, "request body could not be read"))
			return
		}
	}
	if prev.RequestHash != nil && subtle.ConstantTimeCompare(prev.RequestHash, h.Sum(nil)) != 1 {
		s.writeError(w, r, domain.Invalid("Idempotency-Key",
			"was already used for a different request; send a new key for a new request"))
		return
	}
	if prev.ContentType != "" {
		w.Header().Set("Content-Type", prev.ContentType)
	}
	w.Header().Set(idempotencyReplayedHeader, "true")
	w.WriteHeader(prev.Status)
	_, _ = w.Write(prev.Body)
}

// keepAnswer says whether an answer is the outcome of the write (kept and
// replayed) or a failure a retry may get past (not kept).
func keepAnswer(status int) bool {
	switch {
	case status >= 500, status == http.StatusTooManyRequests,
		status == http.StatusUnauthorized, status == http.StatusConflict:
		return false
	}
	return true
}

// runningLimit is how long a claimed key counts as running: after that
// its request cannot still be writing an answer (its process died).
func (s *Server) runningLimit() time.Duration {
	if d := s.Config.HTTP.WriteTimeout; d > 0 {
		return d
	}
	return 5 * time.Minute
}

// detached is ctx without the client's cancellation, bounded by limit and
// still cancelled when the server stops.
func (s *Server) detached(ctx context.Context, limit time.Duration) (context.Context, context.CancelFunc) {
	c, cancel := context.WithTimeout(context.WithoutCancel(ctx), limit)
	if s.Stop != nil {
		stop := context.AfterFunc(s.Stop, cancel)
		return c, func() { stop(); cancel() }
	}
	return c, cancel
}

func validIdempotencyKey(k string) bool {
	if len(k) == 0 || len(k) > idempotencyMaxKey {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// requestHash is the SHA-256 of method, path and body. A multipart body's
// boundary is random per request (browsers pick a new one on every
// retry), so it is hashed as a fixed token.
type requestHash struct {
	hash.Hash
	boundary []byte
	carry    []byte
}

func newRequestHash(r *http.Request) *requestHash {
	h := &requestHash{Hash: sha256.New()}
	_, _ = io.WriteString(h.Hash, r.Method+" "+r.URL.Path+"\n")
	if mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && strings.HasPrefix(mt, "multipart/") && params["boundary"] != "" {
		h.boundary = []byte(params["boundary"])
	}
	return h
}

var boundaryToken = []byte("\x00boundary\x00")

// Write hashes p with the boundary replaced; up to len(boundary)-1 bytes
// are held back in case the boundary spans two writes.
func (h *requestHash) Write(p []byte) (int, error) {
	if h.boundary == nil {
		return h.Hash.Write(p)
	}
	buf := bytes.ReplaceAll(append(h.carry, p...), h.boundary, boundaryToken)
	keep := min(len(h.boundary)-1, len(buf))
	_, _ = h.Hash.Write(buf[:len(buf)-keep])
	h.carry = append(h.carry[:0], buf[len(buf)-keep:]...)
	return len(p), nil
}

// Sum flushes what Write held back.
func (h *requestHash) Sum(b []byte) []byte {
	if len(h.carry) > 0 {
		_, _ = h.Hash.Write(h.carry)
		h.carry = nil
	}
	return h.Hash.Sum(b)
}

// hashingBody feeds what the handler reads into the request hash.
type hashingBody struct {
	io.ReadCloser
	h   io.Writer
	err error // a read error other than EOF: the hash is incomplete
}

func (b *hashingBody) Read(p []byte) (int, error) {
	if b.ReadCloser == nil {
		return 0, io.EOF
	}
	n, err := b.ReadCloser.Read(p)
	_, _ = b.h.Write(p[:n])
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
}

// recordingWriter passes the answer on and keeps a copy of it.
type recordingWriter struct {
	http.ResponseWriter
	mu       sync.Mutex
	status   int
	body     bytes.Buffer
	overflow bool
}

func (w *recordingWriter) WriteHeader(status int) {
	w.mu.Lock()
	if w.status == 0 && status >= 200 {
		w.status = status
	}
	w.mu.Unlock()
	w.ResponseWriter.WriteHeader(status)
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.body.Len()+len(p) > idempotencyMaxBody {
		w.overflow = true
	} else if !w.overflow {
		w.body.Write(p)
	}
	w.mu.Unlock()
	// The client may be gone; the answer is kept for its retry all the same.
	n, err := w.ResponseWriter.Write(p)
	if err != nil {
		return len(p), nil
	}
	return n, nil
}

func (w *recordingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

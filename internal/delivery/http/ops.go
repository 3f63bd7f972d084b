package http

import "github.com/go-chi/chi/v5"

// mountOps registers /metrics and /swagger/ (owned by the ops feature).
func (s *Server) mountOps(r chi.Router) {}

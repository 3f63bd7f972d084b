package http

import "github.com/go-chi/chi/v5"

// AccountService is what the users routes need (registration, login, profile…).
type AccountService interface{}

// mountUsers registers /users/* (owned by the accounts feature).
func (s *Server) mountUsers(r chi.Router) {}

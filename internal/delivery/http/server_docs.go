package http

// The Swagger block of the one route server.go mounts itself, GET /ping,
// beside the other areas' blocks so server.go reads without annotations.

import "net/http"

// ping answers the earlier backend's liveness call.
//
//	@Summary	Liveness check
//	@Tags		health
//	@Produce	json
//	@Success	200	{object}	PingResponse
//	@Router		/ping [get]
func (s *Server) ping(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, PingResponse{Success: true, Message: "active"})
}

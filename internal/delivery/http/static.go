package http

import (
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/go-chi/chi/v5"
)

// mountStatic serves a built frontend from http.staticDir (contract
// decision 1): real files as they are, every other non-API path falls back
// to index.html so client-side routes survive a reload.
func (s *Server) mountStatic(r chi.Router) {
	dir := s.Config.HTTP.StaticDir
	if dir == "" {
		return
	}
	root := http.Dir(dir)
	files := http.FileServer(root)
	index := filepath.Join(dir, "index.html")
	handler := func(w http.ResponseWriter, req *http.Request) {
		if strings.HasPrefix(req.URL.Path, "/api/") {
			s.notFound(w, req)
			return
		}
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			s.methodNotAllowed(w, req)
			return
		}
		clean := path.Clean("/" + req.URL.Path)
		if f, err := root.Open(clean); err == nil {
			st, statErr := f.Stat()
			f.Close()
			if statErr == nil && !st.IsDir() {
				files.ServeHTTP(w, req)
				return
			}
		}
		if _, err := os.Stat(index); err != nil {
			s.notFound(w, req)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFile(w, req, index)
	}
	r.Get("/*", handler)
	r.Head("/*", handler)
	r.Get("/", handler)
}

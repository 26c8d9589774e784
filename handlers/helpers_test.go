package handlers

import (
	"testing"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
)

// The shell's tests run in handlertest's world (the same one every domain
// package's tests use), with the shell's own server.

// build makes the shell's server for handlertest.
func build(c handlertest.Config) (handlertest.Server, error) {
	return New(Config{DB: c.DB, CertMode: c.Mode, ClientCAs: c.ClientCAs, Logger: c.Logger})
}

// newTestEnv starts a server in the given certificate mode on a new file.
func newTestEnv(t testing.TB, mode web.CertMode) *handlertest.Env {
	t.Helper()
	return handlertest.New(t, mode, build)
}

// srvOf is the shell's server of env, for tests of its internals.
func srvOf(env *handlertest.Env) *Server { return env.Server.(*Server) }

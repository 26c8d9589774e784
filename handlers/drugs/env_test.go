package drugs_test

import (
	"testing"

	"hotline/handlers"
	"hotline/handlers/handlertest"
	"hotline/handlers/web"
)

const memberPassword = "member-Pass-2345"

// newEnv starts the whole server (the drug screens are one of its
// domains) on a new file.
func newEnv(t testing.TB, mode web.CertMode) *handlertest.Env {
	t.Helper()
	return handlertest.New(t, mode, func(c handlertest.Config) (handlertest.Server, error) {
		return handlers.New(handlers.Config{DB: c.DB, CertMode: c.Mode, ClientCAs: c.ClientCAs, Logger: c.Logger})
	})
}

// newMember is a server (certificates off) with a member logged in.
func newMember(t testing.TB) (*handlertest.Env, *handlertest.Client) {
	t.Helper()
	env := newEnv(t, web.CertOff)
	m := env.AddMember(t, "検索 太郎", memberPassword)
	return env, env.LoginAs(t, m.ID, memberPassword)
}

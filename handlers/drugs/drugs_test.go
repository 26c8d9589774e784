package drugs_test

import (
	"testing"

	"hotline/handlers/drugs"
	"hotline/handlers/handlertest"
	"hotline/handlers/web"
)

// TestDrugsAuthorizationMatrix runs every route of the drug screens as
// each role, over TLS with certificates required: members and operators
// with a full session search and read; only operators import; a
// password-only session gets 403, a visitor the login.
func TestDrugsAuthorizationMatrix(t *testing.T) {
	env := newEnv(t, web.CertRequired)
	base := env.Listen(t)
	w := handlertest.NewWorld(t, env)
	handlertest.ImportDrugList(t, env.DB)
	fixtures := map[string]string{"drug": handlertest.DrugLoxonin, "previous": handlertest.DrugMorphine}
	member := handlertest.Roles(handlertest.Login, 403, 200, 200, 200)
	m := handlertest.Matrix{
		"GET /drugs":        handlertest.With(member, "/drugs?q=%E3%83%AD%E3%82%AD%E3%82%BD"),
		"GET /drugs/:code":  handlertest.With(member, "/drugs/{drug}"),
		"GET /admin/drugs":  handlertest.OperatorOnly(200),
		"POST /admin/drugs": handlertest.OperatorOnly(422), // no file posted: nothing imported
	}
	routes := drugs.New(env.DB, nil).Routes()
	roles := w.Roles(t, env, base)
	handlertest.RunMatrix(t, roles, routes, m, fixtures)
	// An unknown code is 404 for everyone who may search.
	handlertest.RunMatrix(t, roles, routes[1:2], handlertest.Matrix{
		"GET /drugs/:code": handlertest.With(handlertest.Roles(handlertest.Login, 403, 404, 404, 404), "/drugs/1149019F1999"),
	}, fixtures)
}

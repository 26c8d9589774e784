package handlertest

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"hotline/handlers/web"
	"hotline/store"
)

// The authorization matrix: every route of a route table, for every role,
// with the answer it must get. It runs over real TLS with --client-cert
// required, the production setting, so the certificate is part of every
// role. A route without a row fails, and so does a row without a route,
// and a row answering 303 that does not say where to (Loc): a 303 to
// /login or /prs/login is a refusal, never a success. Every GET row is also
// requested with HEAD, which must get the same answer without a body.
// Each package tests the routes of its own table (shell, prs, …).

// Outcomes besides exact HTTP statuses.
const (
	// Login: the guard sends the visitor to log in — 303 to /login?next=
	// (or /patient/login?next=) for a GET, 401 for anything else.
	Login = -1
	// PRSUnlock: 303 to /prs/login, 患者様登録ソフト asks to be unlocked.
	PRSUnlock = -2
	// LoginAgain: any other 303 to /login (a session that ended).
	LoginAgain = -3
)

// The base cast's role names, in the order the matrix runs them.
const (
	Anon     = "anon"     // no session, no certificate
	Pending  = "pending"  // password-only session, no certificate yet
	Member   = "member"   // full session with certificate
	Other    = "other"    // a member of another facility
	Operator = "operator" // the operator with certificate
)

// Row is the expected answer of one route for each role.
type Row struct {
	// Path is the URL to request, with {name} replaced by a fixture; empty
	// means the route's own path (which then must have no parameters).
	Path string
	// Form is posted with the role's CSRF token.
	Form url.Values
	// Loc is where every 303 of the row must go (exactly, {name} replaced).
	Loc string
	// PRS unlocks 患者様登録ソフト for the facility members first.
	PRS bool
	// Want is the outcome for each role, by name.
	Want map[string]int
}

// Matrix is keyed by "METHOD path" exactly as in the route table.
type Matrix map[string]Row

// Roles is a row for the base cast.
func Roles(anon, pending, member, other, operator int) Row {
	return Row{Want: map[string]int{Anon: anon, Pending: pending, Member: member, Other: other, Operator: operator}}
}

// AllRoles is a row where every base role gets the same answer.
func AllRoles(status int) Row { return Roles(status, status, status, status, status) }

// OperatorOnly is a row of an operator page answering status to the
// operator.
func OperatorOnly(status int) Row { return Roles(Login, 403, 403, 403, status) }

// To sets where the row's 303 answers go.
func To(r Row, loc string) Row {
	r.Loc = loc
	return r
}

// With sets a row's concrete path.
func With(r Row, path string) Row {
	r.Path = path
	return r
}

// Also adds (or changes) the answers of more roles.
func Also(r Row, want map[string]int) Row {
	w := make(map[string]int, len(r.Want)+len(want))
	for k, v := range r.Want {
		w[k] = v
	}
	for k, v := range want {
		w[k] = v
	}
	r.Want = w
	return r
}

// World is the base cast: Member and Colleague belong to Facility; Other
// to OtherFacility; Operator is admin.
type World struct {
	DB                             *store.DB
	Member, Colleague, Other       store.Member
	Operator                       string
	Facility, OtherFacility        string
	MemberPW, ColleaguePW, OtherPW string
}

// NewWorld creates the cast.
func NewWorld(t testing.TB, env *Env) *World {
	t.Helper()
	w := &World{DB: env.DB, Operator: "admin", MemberPW: "member-Pass-2345", ColleaguePW: "colleague-Pass-2345", OtherPW: "other-Pass-2345"}
	var f store.Facility
	var err error
	if w.Member, f, err = env.DB.CreateTestMember(store.TestMemberSpec{Name: "会員 一郎", Password: w.MemberPW}); err != nil {
		t.Fatal(err)
	}
	w.Facility = f.OID
	if w.Colleague, _, err = env.DB.CreateTestMember(store.TestMemberSpec{Name: "同僚 二郎", Password: w.ColleaguePW, FacilityOID: f.OID}); err != nil {
		t.Fatal(err)
	}
	if w.Other, f, err = env.DB.CreateTestMember(store.TestMemberSpec{Name: "他院 三郎", Password: w.OtherPW}); err != nil {
		t.Fatal(err)
	}
	w.OtherFacility = f.OID
	env.EnsureOperator(t)
	return w
}

// Roles logs the base cast in over TLS, in the matrix's order: anon,
// pending (password-only, no certificate yet), member, other and operator
// (each with a certificate of their own). The facility members can unlock
// PRS (test members' facility passwords are their own passwords).
func (w *World) Roles(t testing.TB, env *Env, base string) []*Role {
	t.Helper()
	roles := []*Role{
		env.Role(t, base, Anon, "", "", nil),
		env.Role(t, base, Pending, w.Colleague.ID, w.ColleaguePW, nil),
		env.Role(t, base, Member, w.Member.ID, w.MemberPW, IssueCert(t, env.DB, w.Member.ID)),
		env.Role(t, base, Other, w.Other.ID, w.OtherPW, IssueCert(t, env.DB, w.Other.ID)),
		env.Role(t, base, Operator, w.Operator, OperatorPassword, IssueCert(t, env.DB, w.Operator)),
	}
	roles[2].PRSOID, roles[2].PRSPW = w.Facility, w.MemberPW
	roles[3].PRSOID, roles[3].PRSPW = w.OtherFacility, w.OtherPW
	return roles
}

var placeholder = regexp.MustCompile(`\{[a-z0-9_]+\}`)

// Fill replaces the {placeholders} in s with the fixtures' values.
func Fill(t *testing.T, key, s string, fixtures map[string]string) string {
	t.Helper()
	return placeholder.ReplaceAllStringFunc(s, func(p string) string {
		v, ok := fixtures[p[1:len(p)-1]]
		if !ok {
			t.Errorf("%s: no fixture makes %s", key, p)
		}
		return v
	})
}

// PathOf is the URL the row of key ("METHOD path") requests, its
// placeholders filled from fixtures; "" (and an error) when it cannot be
// made.
func (m Matrix) PathOf(t *testing.T, key string, fixtures map[string]string) string {
	t.Helper()
	_, routePath, _ := strings.Cut(key, " ")
	path := m[key].Path
	if path == "" {
		if strings.ContainsAny(routePath, ":*") {
			t.Errorf("%s: the row needs a concrete path", key)
			return ""
		}
		path = routePath
	}
	return Fill(t, key, path, fixtures)
}

// RunMatrix checks that m and routes agree (a row for every route and a
// route for every row) and that every role gets its row's answer on every
// route, keys in sorted order (rows may rely on it: a state change sorted
// first leaves its effect for the next). Roles run in the given order;
// refused roles should come first, so an allowed state change cannot hide
// a refusal.
func RunMatrix(t *testing.T, roles []*Role, routes []web.Route, m Matrix, fixtures map[string]string) {
	t.Helper()
	seen := map[string]bool{}
	var keys []string
	for _, r := range routes {
		key := r.Method + " " + r.Path
		if seen[key] {
			t.Errorf("route %s is in the route table twice", key)
		}
		seen[key] = true
		keys = append(keys, key)
		if _, ok := m[key]; !ok {
			t.Errorf("route %q (%s) has no row in the matrix: add the answer each role must get", key, r.Access)
		}
	}
	for key := range m {
		if !seen[key] {
			t.Errorf("matrix row %q names no route", key)
		}
	}
	sort.Strings(keys)

	var failures []string
	for _, key := range keys {
		row, ok := m[key]
		if !ok {
			continue
		}
		for _, r := range roles {
			if _, ok := row.Want[r.Name]; !ok {
				t.Errorf("%s: no answer for role %s", key, r.Name)
			}
		}
		method, _, _ := strings.Cut(key, " ")
		path := m.PathOf(t, key, fixtures)
		if path == "" {
			continue
		}
		loc := Fill(t, key, row.Loc, fixtures)
		for _, role := range roles {
			want, ok := row.Want[role.Name]
			if !ok {
				continue
			}
			role.EnsureSession(t)
			if row.PRS {
				role.UnlockPRS(t)
			}
			var res Response
			if method == http.MethodGet {
				res = role.Do(t, method, path, nil, "")
			} else {
				form := url.Values{}
				for k, v := range row.Form {
					form[k] = []string{Fill(t, key, v[0], fixtures)}
				}
				res = role.Post(t, path, form)
			}
			if want == http.StatusSeeOther && loc == "" {
				t.Errorf("%s: the row answers 303 to %s but does not say where to (To(row, loc))", key, role.Name)
			}
			got := Outcome(method, res)
			if got != want || (got == http.StatusSeeOther && res.Location != loc) {
				failures = append(failures, fmt.Sprintf("%-32s %-8s got %s, want %s", key, role.Name, Describe(got, res.Location), Describe(want, loc)))
			}
			if method == http.MethodGet {
				res = role.Do(t, http.MethodHead, path, nil, "")
				if got := Outcome(http.MethodHead, res); got != want || res.Body != "" {
					failures = append(failures, fmt.Sprintf("%-32s %-8s HEAD got %s with %d bytes, want %s and none", key, role.Name,
						Describe(got, res.Location), len(res.Body), Describe(want, loc)))
				}
			}
		}
	}
	if len(failures) > 0 {
		t.Errorf("authorization matrix (%d mismatches):\n%s", len(failures), strings.Join(failures, "\n"))
	}
}

// Outcome maps a response to the matrix's vocabulary. A 303 to a login
// page is never a plain 303, so it cannot pass for a success.
func Outcome(method string, res Response) int {
	if res.Status == http.StatusSeeOther {
		path, _, _ := strings.Cut(res.Location, "?")
		switch {
		case (method == http.MethodGet || method == http.MethodHead) &&
			(strings.HasPrefix(res.Location, "/login?next=") || strings.HasPrefix(res.Location, "/patient/login?next=")):
			return Login
		case path == "/login":
			return LoginAgain
		case path == "/prs/login":
			return PRSUnlock
		}
	}
	if method == http.MethodPost && res.Status == http.StatusUnauthorized && strings.Contains(res.Body, "ログインしてください") {
		return Login
	}
	return res.Status
}

// Describe names an outcome for a failure message.
func Describe(o int, loc string) string {
	switch o {
	case Login:
		return "login"
	case PRSUnlock:
		return "303 → /prs/login (PRS unlock)"
	case LoginAgain:
		return "303 → " + loc + " (log in again)"
	case http.StatusSeeOther:
		return "303 → " + loc
	}
	return fmt.Sprint(o)
}

package web

import "github.com/gofiber/fiber/v2"

// Access is who may reach a route; the shell's guard enforces it before the
// handler runs.
type Access int

const (
	// Public: anyone. Anonymous GETs create no session and write nothing.
	Public Access = iota
	// Pending: any member session, also a password-only one (first login:
	// password change, certificate issue, reissue request, logout).
	Pending
	// Member: a full session (password changed, certificate checked),
	// members and operators alike.
	Member
	// FacilityMember: a full session of a member who belongs to a facility
	// (operators have none and get 403).
	FacilityMember
	// Operator: a full operator session.
	Operator
	// Patient: a patient's session from the access card.
	Patient
)

func (a Access) String() string {
	return [...]string{"public", "pending", "member", "facility-member", "operator", "patient"}[a]
}

// Route is one line of a route table.
type Route struct {
	Method  string
	Path    string
	Access  Access
	Handler fiber.Handler
}

// CertMode says how client certificates are used.
type CertMode string

const (
	CertRequired CertMode = "required" // every member page needs the certificate
	CertOptional CertMode = "optional" // used when presented
	CertOff      CertMode = "off"      // development only
)

// Valid reports whether m is a known mode.
func (m CertMode) Valid() bool { return m == CertRequired || m == CertOptional || m == CertOff }

// Get is a GET route (HEAD is answered too).
func Get(path string, a Access, h fiber.Handler) Route {
	return Route{Method: fiber.MethodGet, Path: path, Access: a, Handler: h}
}

// Post is a POST route: every state change is one.
func Post(path string, a Access, h fiber.Handler) Route {
	return Route{Method: fiber.MethodPost, Path: path, Access: a, Handler: h}
}

// ServesGet reports whether routes answer GET path (a literal path, as
// the table writes it).
func ServesGet(routes []Route, path string) bool {
	for _, r := range routes {
		if r.Method == fiber.MethodGet && r.Path == path {
			return true
		}
	}
	return false
}

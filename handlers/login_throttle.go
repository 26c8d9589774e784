package handlers

import (
	"runtime"

	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
)

// presentsCertOf reports whether the request carries a valid client
// certificate of the account id: such attempts are exempt from the
// account-wide slow-down (they come from the member's own PC).
func (s *Server) presentsCertOf(c *fiber.Ctx, id string) bool {
	if s.cfg.CertMode == web.CertOff {
		return false
	}
	st := s.clientCert(c)
	return st.Presented && st.Err == nil && st.Record.MemberID == id
}

// passwordChecks bounds the Argon2id work of logins and password changes
// (verifying, and hashing the new password) to one fewer than the cores
// (at least one), so that a burst of logins leaves a core to the pages
// members are reading. (The store bounds all hashing to the number of
// cores, for memory.) Measured on 2 cores: with both cores hashing, the
// menu's p99 went to 80–200 ms; with one, it stayed under 40 ms at the same
// login rate.
var passwordChecks = make(chan struct{}, max(1, runtime.NumCPU()-1))

// maxPasswordBytes: a longer password is refused before any hashing. It
// is the policy's own bound, so that every password the policy accepts
// (128 characters, kanji included) can still log in.
const maxPasswordBytes = store.PasswordMaxBytes

// argonVerify and argonHash are the store's Argon2id functions; tests
// replace them to count what runs within passwordChecks.
var argonVerify, argonHash = store.VerifyPassword, store.HashPassword

// verifyPassword is store.VerifyPassword within passwordChecks.
func verifyPassword(hash, password string) bool {
	passwordChecks <- struct{}{}
	defer func() { <-passwordChecks }()
	return argonVerify(hash, password)
}

// hashPassword is store.HashPassword within passwordChecks: a password
// change costs what a login costs and waits its turn like one.
func hashPassword(password string) string {
	passwordChecks <- struct{}{}
	defer func() { <-passwordChecks }()
	return argonHash(password)
}

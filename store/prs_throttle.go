package store

import (
	"errors"
	"strings"
	"time"
)

// The PRS unlock (facility OID + facility password inside a member's
// session) is a second password prompt, so it is throttled like login, by
// the login throttle (throttle.go): the member's attempts count under the
// account PRSAccount(memberID), so ten failures from one address (IPv6: one
// /64) hold that member's unlock from there, the hold is stored and
// survives a restart, and the operator sees and clears it with the login
// holds; failures across addresses slow the member's unlock down. The
// attempts of all the facility's members also count under the facility
// (the group), which slows down like an account: more members' sessions
// do not buy more guesses at the one facility password.
//
// The keys start with capitals: a login ID typed at /login is either a
// member ID or lower-cased (NormalizeAccountID), so nobody can count
// failures against a member's PRS unlock from the login form.
const (
	prsAccountPrefix = "PRS:"
	prsGroupPrefix   = "PRS-F:"
)

// PRSAccount is the throttle account of a member's PRS unlock.
func PRSAccount(memberID string) string { return prsAccountPrefix + memberID }

func isPRSAccount(account string) bool { return strings.HasPrefix(account, prsAccountPrefix) }

// prsAttempt is a member's PRS unlock from remote as a login attempt. It is
// never Trusted: the session already required the member's certificate,
// so presenting it again proves nothing more. Addresses the member
// unlocked from before are exempt from the slow-down, as for login.
func prsAttempt(m Member, remote string) LoginAttempt {
	return LoginAttempt{Account: PRSAccount(m.ID), Addr: remote, Group: prsGroupPrefix + m.FacilityOID}
}

// throttledError is an ETHROTTLED error that knows when to try again.
type throttledError struct {
	err     *Error
	retryAt time.Time
}

func (e *throttledError) Error() string { return e.err.Error() }
func (e *throttledError) Unwrap() error { return e.err }

// RetryAt is when a throttled attempt may be made again (zero when err
// does not say), for the Retry-After header.
func RetryAt(err error) time.Time {
	var t *throttledError
	if errors.As(err, &t) {
		return t.retryAt
	}
	return time.Time{}
}

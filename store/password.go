package store

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters (OWASP's m=19 MiB, t=2, p=1).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// hashSlots bounds how many hashes run at once: each takes 19 MiB, so a
// login flood queues instead of exhausting memory.
var hashSlots = make(chan struct{}, max(2, runtime.NumCPU()))

var b64 = base64.RawStdEncoding

// argonIDKey is argon2.IDKey; tests wrap it to watch hashSlots at work.
var argonIDKey = argon2.IDKey

// HashPassword returns a PHC-format Argon2id hash of pw.
func HashPassword(pw string) string {
	salt := randomBytes(argonSaltLen)
	hashSlots <- struct{}{}
	key := argonIDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	<-hashSlots
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// dummyHash is verified against when the account does not exist, so an
// unknown ID takes as long as a wrong password.
var dummyHash = sync.OnceValue(func() string { return HashPassword("hotline-dummy-password-for-timing") })

// VerifyPassword reports whether pw matches hash. An empty or malformed hash
// never matches but costs the same time.
func VerifyPassword(hash, pw string) bool {
	if hash == "" {
		VerifyPassword(dummyHash(), pw)
		return false
	}
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		VerifyPassword(dummyHash(), pw)
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m > 256*1024 || t > 10 || p == 0 {
		return false
	}
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	hashSlots <- struct{}{}
	got := argonIDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	<-hashSlots
	return subtle.ConstantTimeCompare(got, want) == 1
}

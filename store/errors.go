package store

import (
	"errors"
	"fmt"
)

// Code classifies an error; handlers map it to an HTTP status in one place.
type Code string

const (
	EINVALID      Code = "invalid"      // bad input: 422, message beside the field
	ENOTFOUND     Code = "not_found"    // 404
	ECONFLICT     Code = "conflict"     // the object's state forbids it: 409
	EFORBIDDEN    Code = "forbidden"    // 403
	EUNAUTHORIZED Code = "unauthorized" // wrong credentials: 401
	ETHROTTLED    Code = "throttled"    // too many attempts: 429
	EINTERNAL     Code = "internal"     // a bug or an I/O failure: 500, logged
)

// Error is an error with a code and a message meant for the user (Japanese).
// Fields holds per-field messages for forms.
type Error struct {
	Code    Code
	Message string
	Fields  FieldErrors
}

func (e *Error) Error() string {
	if e.Message == "" && len(e.Fields) > 0 {
		for _, f := range e.Fields {
			return f
		}
	}
	return e.Message
}

// Errorf builds an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrors maps a form field name to its message.
type FieldErrors map[string]string

// Add records the first message for a field.
func (f FieldErrors) Add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

// AddErr records err's message for a field when err is not nil.
func (f FieldErrors) AddErr(field string, err error) {
	if err != nil {
		f.Add(field, err.Error())
	}
}

// Err returns an EINVALID *Error when any field has a message, else nil.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "入力内容を確認してください", Fields: f}
}

// Invalid is a single-field validation error.
func Invalid(field, msg string) error {
	return &Error{Code: EINVALID, Message: "入力内容を確認してください", Fields: FieldErrors{field: msg}}
}

// ErrorCode returns the code of err, EINTERNAL for errors without one.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err; internal errors get a
// generic message so details never reach the user.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Error()
	}
	return "システムエラーが発生しました。しばらくしてからもう一度お試しください。"
}

// ErrorFields returns the per-field messages of a validation error.
func ErrorFields(err error) FieldErrors {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// NotFound is the standard not-found error; it never says whether the object
// exists elsewhere (no probing of other facilities' data).
func NotFound() error {
	return Errorf(ENOTFOUND, "指定されたページまたはデータが見つかりません")
}

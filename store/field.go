package store

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// A form's fields are written once, here in the store beside the form's
// type: the handler binds the posted values by the spec's names, the
// form's validation reads its labels and limits, and the view renders the
// labels, the 必須 marks and the maxlength attributes from the same spec.

// Field is one input of a form.
type Field struct {
	Name  string // the posted name
	Label string // Japanese, on the screen and in messages
	// Max is the length limit in characters (0: the field's own rule
	// decides, e.g. a date or a check-digit number).
	Max      int
	Required bool
	// Multiline fields keep line breaks (a textarea).
	Multiline bool
}

// Fields are a form's fields in screen order.
type Fields []Field

// Field is the field of that name (the zero Field when there is none).
func (fs Fields) Field(name string) Field {
	for _, f := range fs {
		if f.Name == name {
			return f
		}
	}
	return Field{}
}

// Names are the posted names in screen order.
func (fs Fields) Names() []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Name
	}
	return out
}

// Labels maps each posted name to its label.
func (fs Fields) Labels() map[string]string {
	out := make(map[string]string, len(fs))
	for _, f := range fs {
		out[f.Name] = f.Label
	}
	return out
}

// Label is the label of the named field (the name when there is none).
func (fs Fields) Label(name string) string {
	if f := fs.Field(name); f.Label != "" {
		return f.Label
	}
	return name
}

// Bind reads every field of the spec with get (a request's FormValue).
func (fs Fields) Bind(get func(string) string) map[string]string {
	out := make(map[string]string, len(fs))
	for _, f := range fs {
		out[f.Name] = get(f.Name)
	}
	return out
}

// Check applies the field's own limits to v: valid text, present when
// required, at most Max characters, no control characters (a multiline
// field may hold line breaks and tabs).
func (fs Fields) Check(fe FieldErrors, name, v string) {
	f := fs.Field(name)
	if f.Name == "" {
		panic("store: no field " + name + " in the form's spec")
	}
	max := f.Max
	if max == 0 {
		max = 1 << 20
	}
	if f.Multiline {
		checkMultiline(fe, f.Name, f.Label, v, f.Required, max)
	} else {
		checkText(fe, f.Name, f.Label, v, f.Required, max)
	}
}

// checkText validates a one-line text field.
func checkText(fe FieldErrors, field, label, v string, required bool, max int) {
	switch {
	case !utf8.ValidString(v):
		fe.Add(field, label+"に使用できない文字が含まれています")
	case v == "" && required:
		fe.Add(field, label+"を入力してください")
	case utf8.RuneCountInString(v) > max:
		fe.Add(field, tooLong(label, max))
	case strings.ContainsFunc(v, isControl):
		fe.Add(field, label+"に使用できない文字が含まれています")
	}
}

// checkMultiline validates a text area (newlines and tabs allowed).
func checkMultiline(fe FieldErrors, field, label, v string, required bool, max int) {
	// strings.Map below would turn invalid bytes into U+FFFD: check first.
	if !utf8.ValidString(v) {
		fe.Add(field, label+"に使用できない文字が含まれています")
		return
	}
	checkText(fe, field, label, strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, v), required, max)
}

// tooLong is the message of a value over its limit.
func tooLong(label string, max int) string {
	return label + "は" + strconv.Itoa(max) + "文字以内で入力してください"
}

// Missing adds 「…を入力してください」 for the named field.
func (fs Fields) Missing(fe FieldErrors, name string) {
	fe.Add(name, fs.Label(name)+"を入力してください")
}

// Unchosen adds 「…を選択してください」 for the named choice (a select or
// radio buttons).
func (fs Fields) Unchosen(fe FieldErrors, name string) {
	fe.Add(name, fs.Label(name)+"を選択してください")
}

// TooLong reports whether v is over the named field's Max, adding
// 「…はN文字以内で入力してください」 when it is (for a field whose value
// is checked after normalising it).
func (fs Fields) TooLong(fe FieldErrors, name, v string) bool {
	f := fs.Field(name)
	if f.Max == 0 || utf8.RuneCountInString(v) <= f.Max {
		return false
	}
	fe.Add(name, tooLong(f.Label, f.Max))
	return true
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// CheckRequired adds 「…を入力してください」 for every required field left
// empty in values (for forms whose values are checked elsewhere, such as a
// password).
func (fs Fields) CheckRequired(fe FieldErrors, values map[string]string) {
	for _, f := range fs {
		if f.Required && values[f.Name] == "" {
			fs.Missing(fe, f.Name)
		}
	}
}

package store

import (
	"strings"
	"testing"
)

// The messages a spec's helpers give are made of the field's label and
// limit, so they change with the spec and nowhere else.
func TestFieldsMessages(t *testing.T) {
	spec := Fields{
		{Name: "name", Label: "氏名", Max: 4, Required: true},
		{Name: "kind", Label: "資格", Required: true},
	}
	for _, tc := range []struct {
		name  string
		check func(FieldErrors)
		field string
		want  string
	}{
		{"missing", func(fe FieldErrors) { spec.Missing(fe, "name") }, "name", "氏名を入力してください"},
		{"unchosen", func(fe FieldErrors) { spec.Unchosen(fe, "kind") }, "kind", "資格を選択してください"},
		{"too long", func(fe FieldErrors) { spec.TooLong(fe, "name", "やまだたろう") }, "name", "氏名は4文字以内で入力してください"},
		{"at the limit", func(fe FieldErrors) { spec.TooLong(fe, "name", "やまだた") }, "name", ""},
		{"no limit", func(fe FieldErrors) { spec.TooLong(fe, "kind", strings.Repeat("x", 1000)) }, "kind", ""},
		{"check: required", func(fe FieldErrors) { spec.Check(fe, "name", "") }, "name", "氏名を入力してください"},
		{"check: the same limit", func(fe FieldErrors) { spec.Check(fe, "name", "やまだたろう") }, "name", "氏名は4文字以内で入力してください"},
	} {
		fe := FieldErrors{}
		tc.check(fe)
		if got := fe[tc.field]; got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// Every form spec names each field once, with a label: the view finds a
// field by its name, and the summary names it by its label.
func TestFormSpecsAreWellFormed(t *testing.T) {
	for name, spec := range map[string]Fields{
		"ApplicationSpec": ApplicationSpec, "ApplicationReviewSpec": ApplicationReviewSpec,
		"CertificateSpec": CertificateSpec, "SharedPCSpec": SharedPCSpec, "AuditQuerySpec": AuditQuerySpec,
		"InquiryUpdateSpec": InquiryUpdateSpec, "DecisionSpec": DecisionSpec,
	} {
		seen := map[string]bool{}
		for _, f := range spec {
			if f.Name == "" || f.Label == "" || seen[f.Name] {
				t.Errorf("%s: field %q (label %q) is unnamed, unlabelled or twice", name, f.Name, f.Label)
			}
			seen[f.Name] = true
		}
	}
}

package store

import (
	"go/ast"
	"go/parser"
	"go/token"
	"testing"
	"unicode/utf8"
)

// Every audit action declared in the catalogue has its Japanese label,
// which the operator's log and the patient's 閲覧履歴 show (a constant
// without one would show its code).
func TestEveryAuditActionHasAJapaneseLabel(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "audit_action.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "AuditAction" {
				continue
			}
			for _, name := range vs.Names {
				n++
				lit := vs.Values[0].(*ast.BasicLit).Value
				a := AuditAction(lit[1 : len(lit)-1])
				l, ok := auditLabels[a]
				if !ok || l == "" || utf8.RuneCountInString(l) == len(l) {
					t.Errorf("%s (%s) has no Japanese label", name.Name, a)
				}
			}
		}
	}
	if n < 50 || n != len(auditLabels) {
		t.Errorf("%d actions declared, %d labelled", n, len(auditLabels))
	}
}

// Package support holds the helper types a Go package tachc generates may
// carry: each section between tachc-support markers is embedded into a
// generated package that uses it (compiler/embed_support.awk), with @schema@
// replaced by the schema's name. The compiler tests vet and gofmt this file.
package support

import "strconv"

// tachc-support: begin size_error
// SizeError reports a byte slice too short for the view asked of it.
type SizeError struct {
	Type string // the struct the view is of
	Want int    // bytes the view needs
	Got  int    // bytes it was given
}

func (e *SizeError) Error() string {
	return "@schema@: " + e.Type + " needs " + strconv.Itoa(e.Want) + " bytes, got " + strconv.Itoa(e.Got)
}

// tachc-support: end

// tachc-support: begin text_error
// TextError reports text too long for its char[N] field.
type TextError struct {
	Field string // the field
	Cap   int    // bytes the field holds
	Len   int    // bytes of the text
}

func (e *TextError) Error() string {
	return "@schema@: " + e.Field + " holds " + strconv.Itoa(e.Cap) + " bytes, text has " + strconv.Itoa(e.Len)
}

// tachc-support: end

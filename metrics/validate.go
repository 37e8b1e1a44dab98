package metrics

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// ValidateName returns nil if name can name a series, or an error wrapping
// ErrInvalid that says why not. It applies the registry's own rules (see
// the package documentation), so a name it accepts is never refused as
// invalid at registration.
func ValidateName(name string) error {
	if err := validName("name", name); err != nil {
		return fmt.Errorf("metrics: %w: %s", ErrInvalid, err)
	}
	return nil
}

// ValidateTag returns nil if key=value can tag a series, or an error
// wrapping ErrInvalid that says why not, by the registry's own rules.
func ValidateTag(key, value string) error {
	err := validName("tag key", key)
	if err == nil {
		err = validTagValue(key, value)
	}
	if err != nil {
		return fmt.Errorf("metrics: %w: %s", ErrInvalid, err)
	}
	return nil
}

// maxNameLen bounds names, tag keys and tag values, in bytes. OpenTSDB and
// PostgreSQL both take longer strings, but anything this long is a bug in the
// caller (an ID or a message used as a tag), not a series name.
const maxNameLen = 255

// validName reports why s cannot be a series name or a tag key, or nil.
// Allowed are OpenTSDB's characters: ASCII letters and digits, '-', '_', '.',
// '/', and Unicode letters. Anything else is refused, never replaced, so two
// different names can never silently become one series.
func validName(what, s string) error {
	if s == "" {
		return fmt.Errorf("%s is empty", what)
	}
	if len(s) > maxNameLen {
		return fmt.Errorf("%s is %d bytes long, the limit is %d", what, len(s), maxNameLen)
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9',
			r == '-', r == '_', r == '.', r == '/':
		case r == utf8.RuneError && invalidUTF8At(s, i):
			return fmt.Errorf("%s %q is not valid UTF-8 at byte %d", what, s, i)
		case r >= utf8.RuneSelf && unicode.IsLetter(r):
		default:
			return fmt.Errorf("%s %q has character %q at byte %d; allowed are a-z A-Z 0-9 - _ . / and Unicode letters", what, s, r, i)
		}
	}
	return nil
}

// validTagValue reports why s cannot be a tag value, or nil. Tag values are
// freer than names: any printable UTF-8 text (spaces and quotes included) is
// kept exactly, because stores such as PostgreSQL hold it as is. Exporters
// whose backend is stricter (OpenTSDB) replace what it cannot carry at their
// own boundary. Control characters are refused everywhere: they break line
// protocols and terminals.
func validTagValue(key, s string) error {
	if s == "" {
		return fmt.Errorf("tag %q has an empty value", key)
	}
	if len(s) > maxNameLen {
		return fmt.Errorf("tag %q value is %d bytes long, the limit is %d", key, len(s), maxNameLen)
	}
	for i, r := range s {
		if r == utf8.RuneError && invalidUTF8At(s, i) {
			return fmt.Errorf("tag %q value %q is not valid UTF-8 at byte %d", key, s, i)
		}
		if unicode.IsControl(r) {
			return fmt.Errorf("tag %q value %q has control character %U at byte %d", key, s, r, i)
		}
	}
	return nil
}

// invalidUTF8At reports whether s[i], where ranging over s gave
// utf8.RuneError, is a byte of invalid UTF-8 rather than a U+FFFD that s
// really holds: that one is a printable character like any other.
func invalidUTF8At(s string, i int) bool {
	_, size := utf8.DecodeRuneInString(s[i:])
	return size == 1
}

// validate checks a name and its sorted tags.
func validate(name string, tags []Tag) error {
	if err := validName("name", name); err != nil {
		return err
	}
	for _, t := range tags {
		if err := validName("tag key", t.Key); err != nil {
			return err
		}
		if err := validTagValue(t.Key, t.Value); err != nil {
			return err
		}
	}
	return nil
}

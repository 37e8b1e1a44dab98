// Package browsertest tests the live page in a real browser.
package browsertest

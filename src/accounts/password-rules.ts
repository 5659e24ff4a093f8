import commonPasswords from 'fxa-common-password-list';

/**
 * What a new password must not be, in the seller's words, or null when it will do. The common
 * list is Mozilla's (the 50,000 most used passwords of eight characters or more, kept for Firefox
 * Accounts), checked without regard to case: "Password123" is as guessable as "password123".
 */
export function passwordProblem(password: string, limits: { min: number; max: number }): string | null {
  if (password.trim() === '') return 'A password cannot be only spaces. Choose one with letters, digits or words.';
  if (password.length < limits.min) return `Choose a password of at least ${limits.min} characters.`;
  if (password.length > limits.max) return `Passwords can be at most ${limits.max} characters.`;
  if (commonPasswords.test(password.toLowerCase()) || commonPasswords.test(password)) {
    return 'That password is one of the most common ones, so it would be guessed quickly. Choose a less common one: a few unrelated words work well.';
  }
  return null;
}

// URL slugs from titles: lower case, words joined by "-". Known bug for the assistants to fix: accented
// letters are kept ("Crème" gives "crème"), where a slug should hold ASCII only ("creme").
export function slugify(title) {
  return title
    .toLowerCase()
    .trim()
    .replace(/[^\p{L}\p{N}]+/gu, "-")
    .replace(/^-+|-+$/g, "");
}

/** What the environment must say before Ink and React are first imported (both read it only then). */

/**
 * Ink draws only a final frame when it believes it runs under CI (it reads CI and CI_* once, when it
 * is first imported); a live view was asked for on a real terminal, so it must draw. React picks its
 * build by NODE_ENV, and the development build costs several times the CPU per frame.
 */
export function prepareInk(): void {
  for (const name of Object.keys(process.env)) {
    if (name === 'CI' || name === 'CONTINUOUS_INTEGRATION' || name.startsWith('CI_')) delete process.env[name]
  }
  process.env.NODE_ENV ??= 'production'
}

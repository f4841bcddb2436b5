/** A small rule set the test runner's tests share: a bounce for casino spam, presence dropped. */
export const spamAndQuiet = `chain deliver {
  rule spam {
    when body contains "casino"
    then bounce policy-violation "no"
  }
  rule quiet {
    when kind == presence
    then drop
  }
}
`;

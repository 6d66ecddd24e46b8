exports.handler = () => {
  throw new Error('Hello from get /throw-sync-error')
}

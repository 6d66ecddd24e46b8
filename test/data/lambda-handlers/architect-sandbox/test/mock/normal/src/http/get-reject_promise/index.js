exports.handler = async () => {
  throw new Error('Hello from get /reject-promise')
}

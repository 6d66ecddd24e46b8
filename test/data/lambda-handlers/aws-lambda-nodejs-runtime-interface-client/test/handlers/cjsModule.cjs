/** Copyright 2021 Amazon.com, Inc. or its affiliates. All Rights Reserved. */

exports.echo = async (event) => {
  return event;
};

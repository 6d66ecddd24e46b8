/** Copyright 2021 Amazon.com, Inc. or its affiliates. All Rights Reserved. */

'use strict';

export const handler = async () => 'I do have a .mjs file suffix';

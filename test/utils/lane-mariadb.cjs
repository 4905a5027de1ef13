process.env.API_KEYS_TEST_DB = 'mariadb';

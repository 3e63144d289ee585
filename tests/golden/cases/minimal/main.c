int minimal_main(void);
